/**
 * The one stylesheet, served from /static/app.css (CSP `default-src 'self'` forbids inline styles).
 * System fonts, AA contrast, visible focus, no layout that needs JavaScript.
 */
export const STYLESHEET = `
:root{--ink:#1d2330;--muted:#545d6e;--line:#d5dae3;--paper:#fff;--wash:#f4f6fa;--brand:#1f5fbf;--brand-dark:#174a96;
--danger:#a3261b;--ok:#1e6b3a;--focus:#ffbf47;color-scheme:light}
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:var(--ink);background:var(--wash)}
body{margin:0;min-height:100vh;display:flex;flex-direction:column}
a{color:var(--brand)}a:hover{color:var(--brand-dark)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px;box-shadow:0 0 0 5px var(--ink)}
.skip{position:absolute;left:-9999px;top:0;background:var(--paper);padding:.5rem 1rem;z-index:1}
.skip:focus{left:1rem;top:1rem}
.visually-hidden{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.site{background:var(--ink);color:#fff}
.site .bar{max-width:44rem;margin:0 auto;padding:.75rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between}
.brand{margin:0;font-weight:700;font-size:1.1rem}.brand a{color:#fff;text-decoration:none}
.account{display:flex;gap:1rem;align-items:center;font-size:.95rem}
.account form{margin:0}
main{flex:1;width:100%;max-width:44rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.75rem;line-height:1.2;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:2rem 0 .75rem}
.card{background:var(--paper);border:1px solid var(--line);border-radius:.5rem;padding:1.25rem}
button,.button{font:inherit;font-weight:600;border-radius:.375rem;border:2px solid var(--brand);background:var(--brand);color:#fff;
padding:.45rem 1.1rem;cursor:pointer;text-decoration:none;display:inline-block}
button:hover,.button:hover{background:var(--brand-dark);border-color:var(--brand-dark);color:#fff}
button.secondary{background:var(--paper);color:var(--brand)}
button.secondary:hover{background:var(--wash);color:var(--brand-dark)}
button.danger{background:var(--paper);color:var(--danger);border-color:var(--danger)}
button.danger:hover{background:#fbeceb;color:var(--danger)}
.site button{background:transparent;border-color:#fff;color:#fff;padding:.25rem .8rem}
.site button:hover{background:#fff;color:var(--ink)}
.add{display:grid;grid-template-columns:1fr auto auto;gap:.75rem;align-items:end}
@media (max-width:36rem){.add{grid-template-columns:1fr}}
.field{display:flex;flex-direction:column;gap:.25rem}
label{font-weight:600}
.optional{font-weight:400;color:var(--muted)}
input[type=text],input[type=date]{font:inherit;padding:.45rem .6rem;border:2px solid var(--muted);border-radius:.375rem;background:var(--paper);color:var(--ink);width:100%}
.todos{list-style:none;margin:0;padding:0}
.todo{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;background:var(--paper);
border:1px solid var(--line);border-left:4px solid var(--brand);border-radius:.375rem;padding:.75rem 1rem;margin:0 0 .5rem}
.todo.done{border-left-color:var(--ok);background:#f7faf8}
.todo.done .text{text-decoration:line-through;color:var(--muted)}
.todo .text{overflow-wrap:anywhere}
.todo>div:first-child{flex:1 1 16rem}
.meta{display:block;font-size:.9rem;color:var(--muted)}
.overdue{color:var(--danger);font-weight:600}
.badge{display:inline-block;font-size:.8rem;font-weight:700;color:var(--ok);border:1px solid var(--ok);border-radius:1rem;padding:0 .5rem;margin-left:.5rem}
.actions{display:flex;gap:.5rem}.actions form{margin:0}
.actions button{padding:.25rem .8rem;font-size:.95rem}
.empty{color:var(--muted)}
.alert{border:2px solid var(--danger);background:#fbeceb;border-radius:.375rem;padding:.75rem 1rem;margin:0 0 1rem}
.notice{border:2px solid var(--ok);background:#eef7f1;border-radius:.375rem;padding:.75rem 1rem;margin:0 0 1rem}
.lead{font-size:1.15rem;color:var(--muted)}
.small{font-size:.9rem;color:var(--muted)}
.actions-row{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;margin-top:1.5rem}
.actions-row form{margin:0}
footer{color:var(--muted);font-size:.85rem;text-align:center;padding:1rem}
`;
