// Inbox: polls the counters (no names) and, when they change, fetches the page again and swaps
// the tabs and the list, so new cases appear without reloading. The tab title shows « (n) ».
;(function () {
  'use strict'
  var root = document.getElementById('inbox')
  if (!root || !window.fetch || !window.DOMParser) return
  var url = root.getAttribute('data-poll-url')
  var every = Number(root.getAttribute('data-poll-ms')) || 10000
  var live = document.getElementById('inbox-live')
  var last = null
  function key(c) {
    return JSON.stringify(c.counts) + '|' + c.newestAt
  }
  function refresh(c) {
    return fetch(window.location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (r) {
        return r.ok ? r.text() : Promise.reject(r.status)
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html')
        ;['case-tabs', 'case-list'].forEach(function (id) {
          var fresh = doc.getElementById(id)
          var old = document.getElementById(id)
          if (fresh && old) old.replaceWith(fresh)
        })
        document.title = doc.title
        if (live) live.textContent = 'Liste mise à jour : ' + c.toDo + (c.toDo > 1 ? ' dossiers à traiter.' : ' dossier à traiter.')
      })
  }
  function tick() {
    fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) {
        return r.ok ? r.json() : Promise.reject(r.status)
      })
      .then(function (c) {
        var k = key(c)
        var changed = last !== null && k !== last
        last = k
        return changed ? refresh(c) : null
      })
      .catch(function () {})
      .then(function () {
        setTimeout(tick, every)
      })
  }
  tick()
})()
