// Hand-off summary: a « Copier » button (shown only when the clipboard is available).
;(function () {
  'use strict'
  var buttons = document.querySelectorAll('[data-copy]')
  if (!navigator.clipboard) return
  buttons.forEach(function (b) {
    b.hidden = false
    b.addEventListener('click', function () {
      var source = document.getElementById(b.getAttribute('data-copy'))
      var status = document.getElementById('copy-status')
      navigator.clipboard.writeText(source ? source.textContent : '').then(
        function () {
          if (status) status.textContent = 'Texte copié.'
        },
        function () {
          if (status) status.textContent = 'La copie a échoué : sélectionnez le texte et copiez-le.'
        },
      )
    })
  })
})()
