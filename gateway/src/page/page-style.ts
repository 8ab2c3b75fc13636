/**
 * The page's CSS: system fonts, light and dark through `prefers-color-scheme`, contrast of at
 * least 4.5:1 for text, visible focus, one column on a phone.
 */
export const PAGE_CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--panel:#f6f8fa;
--accent:#0550ae;--accent-fg:#fff;--error:#b3261e;--ok:#116329;--bar:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--line:#3d444d;
--panel:#161b22;--accent:#4493f8;--accent-fg:#0d1117;--error:#ff8a80;--ok:#56d364;--bar:#4493f8}}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:46rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0 0}h2{font-size:1.2rem;margin:0 0 .75rem}
.meta,.help{color:var(--muted);font-size:.9rem;margin:.1rem 0}
section,form{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:1rem;margin:1rem 0}
.field{margin:0 0 1rem}
label{display:block;font-weight:600}
input[type=text],input[type=date],input[type=file],select,textarea{width:100%;font:inherit;color:inherit;background:var(--bg);
border:1px solid var(--line);border-radius:6px;padding:.5rem;min-height:2.75rem}
input[type=checkbox]{width:1.4rem;height:1.4rem;vertical-align:middle;margin-right:.4rem}
.check label{display:inline}
.picker{margin:.5rem 0;padding:.5rem;border:1px dashed var(--line);border-radius:6px}
.preview{display:block;width:8rem;height:auto;margin-top:.5rem;image-rendering:pixelated;border:1px solid var(--line)}
[aria-invalid=true]{border-color:var(--error);border-width:2px}
.error{color:var(--error);font-weight:600;margin:.25rem 0 0}
.error:empty{display:none}
button{font:inherit;font-weight:600;background:var(--accent);color:var(--accent-fg);border:0;border-radius:6px;
padding:.6rem 1.2rem;min-height:2.75rem;cursor:pointer}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.value{font-size:2rem;font-weight:700;margin:.25rem 0;overflow-wrap:anywhere}
.bars{list-style:none;padding:0;margin:.5rem 0}
.bars li{display:grid;grid-template-columns:minmax(5rem,10rem) 1fr 4.5rem;gap:.5rem;align-items:center;margin:.25rem 0}
.bar{height:1rem;background:var(--line);border-radius:4px;overflow:hidden}
.bar span{display:block;height:100%;background:var(--bar)}
.num{text-align:right;font-variant-numeric:tabular-nums}
.table{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
pre{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.75rem;overflow-x:auto;font-size:.85rem}
img{max-width:100%;height:auto}
details summary{cursor:pointer;font-weight:600;margin-top:.75rem}
.problem{border-color:var(--error)}
.problem h2{color:var(--error)}
td.refused{color:var(--error)}
`;
