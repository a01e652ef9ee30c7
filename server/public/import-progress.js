// Import page: follows the import while the worker runs it, then reloads to show the report.
;(function () {
  'use strict'
  var box = document.getElementById('import-status')
  if (!box || box.getAttribute('data-live') !== '1') return
  var id = box.getAttribute('data-import-id')
  var label = document.getElementById('status-label')
  var text = document.getElementById('live-text')
  var fmt = new Intl.NumberFormat('fr-FR')
  function tick() {
    fetch('/api/v1/imports/' + id, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) {
        return r.ok ? r.json() : Promise.reject(r.status)
      })
      .then(function (imp) {
        label.textContent = imp.statusLabel
        label.className = 'tag status status--' + imp.status
        text.textContent =
          fmt.format(imp.rowsRead) +
          ' lignes lues, dont ' +
          fmt.format(imp.rowsValid) +
          ' valides et ' +
          fmt.format(imp.rowsInvalid) +
          ' invalides…'
        box.querySelectorAll('[data-count]').forEach(function (dd) {
          dd.textContent = fmt.format(imp[dd.getAttribute('data-count')])
        })
        if (imp.status === 'queued' || imp.status === 'processing') {
          setTimeout(tick, 1000)
        } else {
          window.location.reload()
        }
      })
      .catch(function () {
        setTimeout(tick, 3000)
      })
  }
  setTimeout(tick, 500)
})()
