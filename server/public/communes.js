// Commune mapping page: sends the CSV to the API with the page's CSRF token, shows the outcome.
;(function () {
  'use strict'
  var form = document.getElementById('mapping-form')
  if (!form) return
  var input = document.getElementById('mapping-file')
  var message = document.getElementById('mapping-message')
  var csrf = form.querySelector('input[name="_csrf"]').value
  function say(text, ok) {
    message.className = 'upload__message notice ' + (ok ? 'notice--ok' : 'notice--error')
    message.textContent = text
  }
  form.addEventListener('submit', function (ev) {
    ev.preventDefault()
    if (!input.files || !input.files[0]) {
      say('Choisissez un fichier.')
      input.focus()
      return
    }
    var data = new FormData()
    data.append('file', input.files[0])
    fetch('/api/v1/communes/mapping', {
      method: 'POST',
      body: data,
      credentials: 'same-origin',
      headers: { 'x-csrf-token': csrf, accept: 'application/json' },
    })
      .then(function (r) {
        return r.json().then(function (body) {
          return { status: r.status, body: body }
        })
      })
      .then(function (res) {
        if (res.status === 200) {
          say(res.body.applied + ' commune(s) confirmée(s).', true)
          setTimeout(function () {
            window.location.reload()
          }, 1500)
        } else if (res.status === 422) {
          say(res.body.message)
          var list = document.createElement('ul')
          res.body.errors.slice(0, 50).forEach(function (e) {
            var li = document.createElement('li')
            li.textContent = 'Ligne ' + e.line + ' (' + e.column + ' = « ' + e.value + ' ») : ' + e.reason
            list.appendChild(li)
          })
          message.appendChild(list)
        } else {
          say(res.body.message || 'L’envoi a échoué (erreur ' + res.status + ').')
        }
      })
      .catch(function () {
        say('La connexion a été interrompue. Réessayez.')
      })
  })
})()
