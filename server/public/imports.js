// Upload page: drag and drop, upload progress, then the import's own page for processing progress.
;(function () {
  'use strict'
  var form = document.getElementById('upload-form')
  if (!form) return
  var input = document.getElementById('file')
  var zone = document.getElementById('dropzone')
  var fileName = document.getElementById('file-name')
  var kind = document.getElementById('kind')
  var message = document.getElementById('upload-message')
  var bar = document.getElementById('upload-progress')
  var barWrap = document.getElementById('upload-progress-wrap')
  var barText = document.getElementById('upload-progress-text')
  var submit = document.getElementById('upload-submit')
  var csrf = form.querySelector('input[name="_csrf"]').value

  function say(text, kindOfNotice) {
    message.className = 'upload__message notice ' + (kindOfNotice === 'ok' ? 'notice--ok' : 'notice--error')
    message.textContent = text
  }
  function showName() {
    fileName.textContent = input.files && input.files[0] ? 'Fichier choisi : ' + input.files[0].name : ''
  }
  input.addEventListener('change', showName)
  ;['dragenter', 'dragover'].forEach(function (e) {
    zone.addEventListener(e, function (ev) {
      ev.preventDefault()
      zone.classList.add('is-over')
    })
  })
  ;['dragleave', 'drop'].forEach(function (e) {
    zone.addEventListener(e, function (ev) {
      ev.preventDefault()
      zone.classList.remove('is-over')
    })
  })
  zone.addEventListener('drop', function (ev) {
    if (ev.dataTransfer && ev.dataTransfer.files.length) {
      input.files = ev.dataTransfer.files
      showName()
    }
  })

  form.addEventListener('submit', function (ev) {
    ev.preventDefault()
    message.textContent = ''
    if (!kind.value) {
      say('Choisissez le type de fichier.')
      kind.focus()
      return
    }
    if (!input.files || !input.files[0]) {
      say('Choisissez un fichier à envoyer.')
      input.focus()
      return
    }
    var data = new FormData()
    data.append('kind', kind.value)
    data.append('file', input.files[0])
    var xhr = new XMLHttpRequest()
    xhr.open('POST', '/api/v1/imports')
    xhr.setRequestHeader('x-csrf-token', csrf)
    xhr.setRequestHeader('accept', 'application/json')
    xhr.upload.addEventListener('progress', function (e) {
      if (!e.lengthComputable) return
      var pct = Math.round((e.loaded / e.total) * 100)
      bar.value = pct
      barText.textContent = 'Envoi : ' + pct + ' %'
    })
    xhr.addEventListener('load', function () {
      submit.disabled = false
      var body = {}
      try {
        body = JSON.parse(xhr.responseText)
      } catch (e) {
        /* keep empty */
      }
      if (xhr.status === 202 && body.links) {
        window.location.assign(body.status === 'awaiting_mapping' ? body.links.mapping : body.links.page)
      } else if (xhr.status === 409 && body.existingImportUrl) {
        say(body.message + ' ')
        var a = document.createElement('a')
        a.href = body.existingImportUrl
        a.textContent = 'Voir le premier import'
        message.appendChild(a)
      } else if (xhr.status === 422 && body.importId) {
        say(body.message + ' ')
      } else {
        say(body.message || 'L’envoi a échoué (erreur ' + xhr.status + '). Réessayez.')
      }
      barWrap.hidden = true
    })
    xhr.addEventListener('error', function () {
      submit.disabled = false
      barWrap.hidden = true
      say('La connexion a été interrompue pendant l’envoi. Vérifiez votre réseau et réessayez.')
    })
    submit.disabled = true
    barWrap.hidden = false
    bar.value = 0
    xhr.send(data)
  })
})()
