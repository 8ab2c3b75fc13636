import { LabIcon } from '@jupyterlab/ui-components';

/**
 * Publish: an arrow launched up and away from a ramp, unlike the file browser's Upload (an
 * arrow into a tray). `jp-icon3` lets the theme colour it.
 */
export const publishIcon = new LabIcon({
  name: 'slipway:publish',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path class="jp-icon3" fill="#616161" d="M3 20h18v2H3zM13 3h8v8l-3-3-10.6 10.6-2-2L16 6z"/></svg>',
});
