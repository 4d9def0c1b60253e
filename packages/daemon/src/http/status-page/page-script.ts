/**
 * The status page's script: plain browser JavaScript, no framework, no build step (kept as text
 * here so the compiled package carries it; no backticks or dollar-brace inside, String.raw keeps
 * its backslashes). It asks for the token once (sessionStorage), then reads the API with
 * `Authorization: Bearer`: `GET /v1/status`, a Mind's last messages, memory search, and the
 * Mind's Server-Sent Events through `fetch` streaming — EventSource cannot send the header, and a
 * token in a URL would end up in logs — reconnecting with `Last-Event-ID` after a drop.
 */
export const STATUS_PAGE_JS = String.raw`'use strict';
(function () {
  var KEY = 'genesis.token';
  var $ = function (id) { return document.getElementById(id); };
  var stream = null;
  var lastEventId = null;
  var currentMind = null;

  function token() { return sessionStorage.getItem(KEY); }

  function setStatus(text, isError) {
    var s = $('status');
    s.textContent = text;
    s.className = isError ? 'error' : '';
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function time(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
  }

  function api(path, init) {
    init = init || {};
    var headers = Object.assign({ authorization: 'Bearer ' + token() }, init.headers || {});
    if (init.body) headers['content-type'] = 'application/json';
    return fetch(path, Object.assign({}, init, { headers: headers })).then(function (res) {
      if (res.status === 401) { forget('The token was refused: enter it again.'); throw new Error('unauthorized'); }
      return res.json().then(function (body) {
        if (!res.ok) throw new Error((body && body.error && body.error.message) || ('HTTP ' + res.status));
        return body;
      });
    });
  }

  function showLogin(message) {
    $('app').hidden = true;
    $('forget').hidden = true;
    $('login').hidden = false;
    setStatus(message || 'Enter the API token.', Boolean(message));
    $('token').focus();
  }

  function forget(message) {
    sessionStorage.removeItem(KEY);
    stopStream();
    showLogin(message);
  }

  function start() {
    $('login').hidden = true;
    $('app').hidden = false;
    $('forget').hidden = false;
    setStatus('Loading…');
    loadStatus().then(function () { setStatus('Connected.'); }, function (e) { setStatus(e.message, true); });
  }

  function loadStatus() {
    return api('/v1/status').then(function (s) {
      $('daemon').textContent = s.daemon
        ? 'Daemon ' + s.daemon.ownerId + ' since ' + time(s.daemon.startedAt) + ', ' + s.daemon.running + ' task(s) running'
        : 'No daemon runs in this process.';
      var held = $('held');
      clear(held);
      (s.daemon ? s.daemon.held : []).forEach(function (gmid) { held.appendChild(el('li', gmid)); });
      if (!held.firstChild) held.appendChild(el('li', 'none'));
      var queue = $('queue').tBodies[0];
      clear(queue);
      if (s.tasks) {
        Object.keys(s.tasks).forEach(function (status) {
          var row = el('tr');
          row.appendChild(el('td', status));
          row.appendChild(el('td', s.tasks[status]));
          queue.appendChild(row);
        });
      } else {
        var only = el('tr');
        only.appendChild(el('td', 'the admin token shows the queue'));
        queue.appendChild(only);
      }
      var due = $('due');
      clear(due);
      s.dueConcerns.forEach(function (c) {
        var li = el('li');
        li.appendChild(el('span', c.urgency, 'type'));
        li.appendChild(el('span', c.description));
        li.appendChild(el('span', ' — ' + c.mindId + ', due ' + time(c.nextCheckAt), 'time'));
        due.appendChild(li);
      });
      if (!due.firstChild) due.appendChild(el('li', 'none'));
      var select = $('mind');
      var chosen = select.value || currentMind;
      clear(select);
      s.minds.forEach(function (m) {
        var o = el('option', m.name + ' (' + m.gmid + ')' + (m.held ? ' · held' : ''));
        o.value = m.gmid;
        select.appendChild(o);
      });
      if (chosen && s.minds.some(function (m) { return m.gmid === chosen; })) select.value = chosen;
      if (select.value && select.value !== currentMind) chooseMind(select.value);
    });
  }

  function messageItem(m) {
    var li = el('li');
    li.dataset.id = m.id;
    li.appendChild(el('span', time(m.createdAt), 'time'));
    li.appendChild(el('span', m.role, 'role'));
    li.appendChild(el('span', m.content));
    return li;
  }

  function chooseMind(gmid) {
    currentMind = gmid;
    lastEventId = null;
    clear($('events'));
    clear($('search-results'));
    loadMessages(gmid);
    openStream(gmid);
  }

  function loadMessages(gmid) {
    return api('/v1/minds/' + encodeURIComponent(gmid) + '/messages?limit=20').then(function (page) {
      if (gmid !== currentMind) return;
      var list = $('messages');
      clear(list);
      page.items.slice().reverse().forEach(function (m) { list.appendChild(messageItem(m)); });
      if (!list.firstChild) list.appendChild(el('li', 'no messages yet', 'empty'));
    }, function (e) { setStatus(e.message, true); });
  }

  function addLiveMessage(m) {
    var list = $('messages');
    if (list.querySelector('li[data-id="' + CSS.escape(m.id) + '"]')) return;
    var empty = list.querySelector('li.empty');
    if (empty) list.removeChild(empty);
    list.appendChild(messageItem(m));
    while (list.children.length > 50) list.removeChild(list.firstChild);
  }

  function describe(ev) {
    var d = ev.data || {};
    if (d.message) return d.message.role + ': ' + d.message.content;
    if (d.memory) return d.memory.type + ': ' + d.memory.content;
    if (ev.type === 'task.finished') return d.type + ' ' + d.status + ' (attempt ' + d.attempts + ')';
    if (ev.type === 'follow-up.fired') return 'concern ' + d.concernId + ' (' + (d.delivered || []).join(', ') + ')';
    if (ev.type === 'messages.added') return d.count + ' message(s)';
    return JSON.stringify(d);
  }

  function onEvent(ev) {
    var li = el('li');
    li.dataset.id = ev.id;
    li.dataset.type = ev.type;
    li.appendChild(el('span', time(ev.at), 'time'));
    li.appendChild(el('span', ev.type, 'type'));
    li.appendChild(el('span', describe(ev)));
    var list = $('events');
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 100) list.removeChild(list.lastChild);
    if (ev.type === 'message.added' && ev.data && ev.data.message) addLiveMessage(ev.data.message);
  }

  function stopStream() {
    if (stream) stream.abort();
    stream = null;
  }

  function streamState(text) { $('stream-state').textContent = text ? '(' + text + ')' : ''; }

  // Server-Sent Events over fetch: frames are separated by a blank line; id/event/data fields;
  // lines starting with ':' are comments (the heartbeat).
  function openStream(gmid) {
    stopStream();
    var controller = new AbortController();
    stream = controller;
    var headers = { authorization: 'Bearer ' + token(), accept: 'text/event-stream' };
    if (lastEventId) headers['last-event-id'] = lastEventId;
    streamState('connecting');
    fetch('/v1/minds/' + encodeURIComponent(gmid) + '/events', { headers: headers, signal: controller.signal })
      .then(function (res) {
        if (res.status === 401) { forget('The token was refused: enter it again.'); return; }
        if (!res.ok || !res.body) throw new Error('events: HTTP ' + res.status);
        streamState('live');
        var reader = res.body.getReader();
        var decoder = new TextDecoder();
        var buffer = '';
        var pump = function () {
          return reader.read().then(function (chunk) {
            if (chunk.done) throw new Error('stream ended');
            buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, '\n');
            var end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              var frame = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              var id = null;
              var data = [];
              frame.split('\n').forEach(function (line) {
                if (line === '' || line.charAt(0) === ':') return;
                var colon = line.indexOf(':');
                var field = colon < 0 ? line : line.slice(0, colon);
                var value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
                if (field === 'id') id = value;
                else if (field === 'data') data.push(value);
              });
              if (id !== null) lastEventId = id;
              if (data.length > 0) {
                try { onEvent(JSON.parse(data.join('\n'))); } catch (e) { /* not an event of ours */ }
              }
            }
            return pump();
          });
        };
        return pump();
      })
      .catch(function () {
        if (controller.signal.aborted || stream !== controller) return;
        streamState('reconnecting');
        setTimeout(function () { if (stream === controller && currentMind === gmid) openStream(gmid); }, 2000);
      });
  }

  function search(event) {
    event.preventDefault();
    var query = $('search-query').value.trim();
    if (!query || !currentMind) return;
    var results = $('search-results');
    clear(results);
    api('/v1/minds/' + encodeURIComponent(currentMind) + '/memories/search', {
      method: 'POST',
      body: JSON.stringify({ query: query, limit: 10 }),
    }).then(function (body) {
      var hits = Array.isArray(body) ? body : body.items;
      hits.forEach(function (h) {
        var li = el('li');
        li.appendChild(el('span', (h.score !== undefined ? h.score : h.similarity).toFixed(3), 'time'));
        li.appendChild(el('span', h.type, 'type'));
        li.appendChild(el('span', h.content));
        results.appendChild(li);
      });
      if (!results.firstChild) results.appendChild(el('li', 'nothing found'));
    }, function (e) { results.appendChild(el('li', e.message, 'error')); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('login').addEventListener('submit', function (event) {
      event.preventDefault();
      var value = $('token').value.trim();
      if (!value) return;
      sessionStorage.setItem(KEY, value);
      $('token').value = '';
      start();
    });
    $('forget').addEventListener('click', function () { forget(); });
    $('refresh').addEventListener('click', function () {
      loadStatus().catch(function (e) { setStatus(e.message, true); });
    });
    $('mind').addEventListener('change', function () { chooseMind($('mind').value); });
    $('search').addEventListener('submit', search);
    if (token()) start(); else showLogin();
  });
})();
`;
