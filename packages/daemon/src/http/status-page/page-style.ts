/** The status page's style sheet. */
export const STATUS_PAGE_CSS = `
:root { font-family: system-ui, sans-serif; color: #1d2330; background: #f5f6f8; }
body { margin: 0; }
[hidden] { display: none !important; }
header { display: flex; gap: 1rem; align-items: center; padding: 0.6rem 1.2rem; background: #1d2330; color: #fff; }
header h1 { font-size: 1.1rem; margin: 0; }
#status { flex: 1; font-size: 0.9rem; opacity: 0.85; }
#login { max-width: 32rem; margin: 3rem auto; display: grid; gap: 0.5rem; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 1rem; padding: 1rem; }
section { background: #fff; border-radius: 6px; padding: 0.8rem 1rem; box-shadow: 0 1px 2px #0002; min-width: 0; }
h2 { font-size: 1rem; margin: 0 0 0.5rem; }
h3 { font-size: 0.9rem; margin: 0.8rem 0 0.3rem; color: #4a5268; }
ul, ol { padding-left: 1.2rem; margin: 0; }
li { margin: 0.2rem 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; }
td, th { padding: 0.1rem 0.8rem 0.1rem 0; text-align: left; }
.role { font-weight: 600; margin-right: 0.3rem; }
.time { color: #6b7388; font-size: 0.8rem; margin-right: 0.3rem; }
.type { font-family: ui-monospace, monospace; font-size: 0.85rem; margin-right: 0.3rem; }
.hint { font-size: 0.8rem; color: #6b7388; }
.error { color: #b00020; }
`;
