/**
 * Test support: what JupyterLab's widgets expect of a browser and jsdom lacks. Import it
 * before any JupyterLab module in a test that runs under `@vitest-environment jsdom`.
 */
if (typeof window !== 'undefined') {
  if (!('DragEvent' in window)) {
    // @lumino/dragdrop subclasses it when loaded.
    Object.defineProperty(window, 'DragEvent', { value: class DragEvent extends MouseEvent {} });
  }
  if (!('requestIdleCallback' in window)) {
    // ReactWidget waits for it after each render.
    Object.defineProperty(window, 'requestIdleCallback', {
      value: (callback: IdleRequestCallback) =>
        setTimeout(() => callback({ didTimeout: false, timeRemaining: () => 50 }), 0),
    });
  }
  for (const name of ['IntersectionObserver', 'ResizeObserver'] as const) {
    // @jupyterlab/notebook subclasses the first when loaded; nothing here is ever laid out.
    if (!(name in window))
      Object.defineProperty(window, name, {
        value: class {
          observe() {}
          unobserve() {}
          disconnect() {}
          takeRecords() {
            return [];
          }
        },
        writable: true,
      });
  }
  if (!window.matchMedia) {
    // The Jupyter design system's components ask for the colour scheme when loaded.
    window.matchMedia = (media: string) =>
      ({
        matches: false,
        media,
        onchange: null,
        addListener: () => undefined,
        removeListener: () => undefined,
        addEventListener: () => undefined,
        removeEventListener: () => undefined,
        dispatchEvent: () => false,
      }) as MediaQueryList;
  }
}

export {};
