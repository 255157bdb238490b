/** The demo page's stylesheet: desktop first, and one column that fits a 390 px phone. */
export const DEMO_STYLE = String.raw`
  :root { --bg:#0f172a; --panel:#111c33; --line:#1e2b47; --text:#e2e8f0; --muted:#8ea0bf; --accent:#38bdf8; --ok:#22c55e; --warn:#f59e0b; --bad:#ef4444; }
  * { box-sizing: border-box; }
  body { margin:0; font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; flex-wrap:wrap; align-items:center; gap:8px 16px; padding:14px 24px; border-bottom:1px solid var(--line); background:#0b1224; }
  h1 { font-size:18px; margin:0; letter-spacing:.02em; white-space:nowrap; } h1 span { color:var(--accent); }
  #state { padding:3px 10px; border-radius:999px; font-size:13px; background:#1f2937; white-space:nowrap; }
  #state.connected { background:rgba(34,197,94,.15); color:var(--ok); }
  #state.connecting { background:rgba(245,158,11,.15); color:var(--warn); }
  #state.disconnected { background:rgba(239,68,68,.15); color:var(--bad); }
  header .spacer { flex:1; }
  button { background:var(--accent); color:#00111c; border:0; border-radius:8px; padding:8px 14px; font:inherit; font-weight:600; cursor:pointer; -webkit-tap-highlight-color:transparent; }
  button:active { filter:brightness(.85); }
  button.ghost { background:transparent; color:var(--text); border:1px solid var(--line); }
  nav { display:flex; gap:4px; padding:0 24px; border-bottom:1px solid var(--line); }
  nav button { background:none; color:var(--muted); border-radius:0; border-bottom:2px solid transparent; padding:12px 14px; }
  nav button.active { color:var(--text); border-bottom-color:var(--accent); }
  main { max-width:920px; margin:0 auto; padding:12px 24px 20px; }
  .panel { background:var(--panel); border:1px solid var(--line); border-radius:12px; overflow:hidden; }
  #toast { position:fixed; right:20px; bottom:20px; max-width:calc(100vw - 40px); background:#0b3a53; color:#dff6ff; padding:10px 14px; border-radius:10px; opacity:0; transition:opacity .3s; pointer-events:none; }
  #toast.show { opacity:1; }
  .notice { margin:0 0 12px; padding:12px 16px; border:1px solid rgba(245,158,11,.5); border-radius:12px; background:rgba(245,158,11,.08); overflow-wrap:anywhere; }
  .notice strong { color:var(--warn); display:block; }
  .notice p { margin:4px 0; }
  .notice code { display:block; margin-top:6px; padding:8px 10px; border-radius:8px; background:#0b1224; font:13px/1.5 ui-monospace,monospace; user-select:all; white-space:pre-wrap; }
  .notice code span { white-space:nowrap; }
  #caught { min-height:1.45em; margin:0 2px 10px; }
  .list { position:relative; height:420px; overflow-y:auto; padding:8px 0; }
  .row { display:flex; gap:12px; padding:6px 16px; align-items:baseline; }
  .row .off { color:var(--muted); font:12px ui-monospace,monospace; min-width:44px; text-align:right; flex:none; }
  .row .who { color:var(--accent); font-weight:600; flex:none; max-width:40%; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
  .row .txt { min-width:0; overflow-wrap:anywhere; }
  .row.pending { opacity:.55; }
  .row.pending .off { font-style:italic; }
  .row.failed { opacity:1; } .row.failed .off, .row .why { color:var(--bad); }
  .row .why { font-size:13px; }
  #chatlist[data-state=loading] #messages:empty::before { content:'Loading recent messages…'; }
  #chatlist[data-state=ready] #messages:empty::before { content:'No messages yet. Say something, then open this page in a second tab.'; }
  #chatlist[data-state=idle] #messages:empty::before { content:'Not connected: see above.'; }
  #messages:empty::before { display:block; padding:24px 16px; color:var(--muted); }
  .divider { display:flex; align-items:center; gap:10px; margin:6px 16px; color:var(--warn); font-size:12px; font-weight:600; text-transform:uppercase; letter-spacing:.04em; }
  .divider::before, .divider::after { content:''; flex:1; border-top:1px solid rgba(245,158,11,.45); }
  form { display:flex; gap:8px; padding:12px; border-top:1px solid var(--line); }
  input { flex:1; min-width:0; background:#0b1224; color:var(--text); border:1px solid var(--line); border-radius:8px; padding:9px 12px; font:inherit; }
  input#name { flex:0 0 140px; }
  form button { flex:none; }
  table { width:100%; border-collapse:collapse; }
  td, th { padding:10px 16px; text-align:left; border-bottom:1px solid var(--line); }
  th { color:var(--muted); font-weight:500; font-size:13px; }
  td.num { font-variant-numeric:tabular-nums; }
  .up { color:var(--ok); } .down { color:var(--bad); }
  .hint { color:var(--muted); font-size:13px; margin:10px 2px; }
  header .hint { margin:0; }
  #ticks { height:260px; }
  [hidden] { display:none !important; }
  @media (max-width: 600px) {
    header { padding:10px 14px; gap:6px 10px; }
    #transport { order:5; flex-basis:100%; }
    nav { padding:0 8px; }
    nav button { flex:1; padding:12px 6px; }
    main { padding:10px 10px 16px; }
    .list { height:max(240px, calc(100svh - 330px)); }
    .row { gap:8px; padding:6px 10px; }
    .row .off { min-width:34px; }
    form { flex-wrap:wrap; padding:10px; }
    input#name { flex:1 1 100%; }
    input, form button { min-height:44px; }
    form button { padding:0 18px; }
    td, th { padding:8px 8px; }
    #ticks { height:200px; }
    input { font-size:16px; }
    .divider { text-transform:none; letter-spacing:0; font-size:13px; }
    #toast { left:10px; right:10px; bottom:10px; max-width:none; }
  }
`;
