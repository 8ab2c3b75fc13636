import { expect, vi } from 'vitest';
import { UNTIL } from './until.js';

/** The open JupyterLab dialog of that title, once it is there. */
export function dialogTitled(title: string): Promise<HTMLElement> {
  return vi.waitFor(() => {
    const dialog = [...document.querySelectorAll<HTMLElement>('.jp-Dialog')].find(
      (d) => d.querySelector('.jp-Dialog-header')?.textContent === title,
    );
    expect(dialog, title).toBeDefined();
    return dialog!;
  }, UNTIL);
}

/** Clicks the dialog's footer button of exactly that label. */
export function press(dialog: HTMLElement, label: string): void {
  [...dialog.querySelectorAll<HTMLButtonElement>('.jp-Dialog-footer button')]
    .find((b) => b.textContent === label)!
    .click();
}
