/** The status page's document: plain HTML, its script and style served beside it (no inline code, so a strict CSP holds). */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Genesis daemon</title>
<link rel="stylesheet" href="/status-page/style.css">
<script src="/status-page/app.js" defer></script>
</head>
<body>
<header>
  <h1>Genesis daemon</h1>
  <span id="status" role="status"></span>
  <button type="button" id="forget" hidden>Forget token</button>
</header>

<form id="login" hidden>
  <label for="token">API token</label>
  <input id="token" name="token" type="password" autocomplete="off" required
         placeholder="the admin token (&lt;home&gt;/secrets/api-token) or a Mind's token">
  <button type="submit">Open</button>
  <p class="hint">Kept in this tab only (sessionStorage) and sent as <code>Authorization: Bearer</code>.</p>
</form>

<main id="app" hidden>
  <section>
    <h2>Daemon</h2>
    <p id="daemon"></p>
    <h3>Held Minds</h3>
    <ul id="held"></ul>
    <h3>Queue</h3>
    <table id="queue"><thead><tr><th>status</th><th>tasks</th></tr></thead><tbody></tbody></table>
    <h3>Due concerns</h3>
    <ul id="due"></ul>
    <button type="button" id="refresh">Refresh</button>
  </section>

  <section>
    <h2>Mind</h2>
    <label for="mind">Mind</label>
    <select id="mind"></select>
    <h3>Last messages</h3>
    <ol id="messages"></ol>
    <h3>Memory search</h3>
    <form id="search">
      <input id="search-query" type="search" required placeholder="what to look for">
      <button type="submit">Search</button>
    </form>
    <ol id="search-results"></ol>
  </section>

  <section>
    <h2>Live events <span id="stream-state"></span></h2>
    <ol id="events" reversed></ol>
  </section>
</main>
</body>
</html>
`;
