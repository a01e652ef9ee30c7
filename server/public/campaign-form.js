// Campaign form: refreshes the live count (POST /api/v1/campaigns/count, the session cookie and
// the form's CSRF token) as the segment changes, and shows only the message fields of the
// chosen channel. Without JavaScript the form still works: « Mettre à jour le décompte » posts it.
;(function () {
  'use strict'
  var form = document.getElementById('campaign-form')
  var box = document.getElementById('decompte')
  var out = document.getElementById('decompte-resultat')
  if (!form || !box || !out || !window.fetch) return
  var labels = JSON.parse(box.getAttribute('data-labels') || '{}')
  var nf = new Intl.NumberFormat('fr-FR')
  var timer = null
  var seq = 0

  function value(name) {
    var el = form.elements.namedItem(name)
    return el && typeof el.value === 'string' ? el.value.trim() : ''
  }
  function checked(name) {
    return Array.prototype.slice.call(form.querySelectorAll('input[name="' + name + '"]:checked')).map(function (el) {
      return el.value
    })
  }
  function channel() {
    var c = form.querySelector('input[name="canal"]:checked')
    return c ? c.value : 'email'
  }
  function say(lines, reasons) {
    out.textContent = ''
    lines.forEach(function (l) {
      var p = document.createElement('p')
      if (l.strong !== undefined) {
        p.appendChild(document.createTextNode(l.before))
        var s = document.createElement('strong')
        s.textContent = l.strong
        p.appendChild(s)
        p.appendChild(document.createTextNode(l.after))
      } else {
        p.textContent = l
      }
      out.appendChild(p)
    })
    if (reasons) {
      var ul = document.createElement('ul')
      Object.keys(labels).forEach(function (k) {
        var li = document.createElement('li')
        li.textContent = labels[k] + ' : ' + nf.format(reasons[k] || 0)
        ul.appendChild(li)
      })
      out.appendChild(ul)
    }
  }

  function request() {
    var territoryIds = checked('missions')
    if (!territoryIds.length) {
      say(['Choisissez au moins une Mission Locale pour voir le décompte.'])
      return
    }
    var segment = {}
    if (value('bande')) segment.band = value('bande')
    if (value('top')) {
      if (!/^\d+$/.test(value('top')) || Number(value('top')) < 1) return say(['Corrigez le segment pour voir le décompte.'])
      segment.topN = Number(value('top'))
    }
    ;[
      ['composante', 'faculty'],
      ['etape', 'stepCode'],
      ['niveau', 'level'],
      ['campus', 'campus'],
    ].forEach(function (f) {
      if (value(f[0])) segment[f[1]] = value(f[0])
    })
    var share = Number(value('temoin').replace(',', '.'))
    var recent = Number(value('recent'))
    if (!(share >= 0 && share <= 50) || !(Number.isInteger(recent) && recent >= 0 && recent <= 365)) {
      return say(['Corrigez le segment pour voir le décompte.'])
    }
    var body = { channel: channel(), territoryIds: territoryIds, segment: segment, controlShare: share / 100, recentDays: recent }
    if (value('universite')) body.universityId = value('universite')
    var mine = ++seq
    box.setAttribute('aria-busy', 'true')
    fetch('/api/v1/campaigns/count', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': value('_csrf') },
      body: JSON.stringify(body),
    })
      .then(function (r) {
        return r.json().then(function (j) {
          return { ok: r.ok, body: j }
        })
      })
      .then(function (res) {
        if (mine !== seq) return
        if (!res.ok) return say([res.body && res.body.message ? res.body.message : 'Le décompte n’a pas pu être calculé.'])
        var c = res.body
        say(
          [
            {
              before: nf.format(c.total) + (c.total > 1 ? ' étudiants' : ' étudiant') + ' dans le segment ; ',
              strong: nf.format(c.treated),
              after: (c.treated > 1 ? ' recevraient' : ' recevrait') + ' le message, ' + nf.format(c.control) + ' dans le groupe témoin.',
            },
            'Laissés de côté :',
          ],
          c.excluded,
        )
      })
      .catch(function () {
        if (mine === seq) say(['Le décompte n’a pas pu être calculé : utilisez le bouton « Mettre à jour le décompte ».'])
      })
      .then(function () {
        if (mine === seq) box.removeAttribute('aria-busy')
      })
  }

  function schedule() {
    clearTimeout(timer)
    timer = setTimeout(request, 300)
  }

  function showChannel() {
    var c = channel()
    Array.prototype.forEach.call(form.querySelectorAll('[data-channel]'), function (el) {
      el.hidden = el.getAttribute('data-channel') !== c
    })
  }

  var segmentFields = ['missions', 'bande', 'top', 'composante', 'etape', 'niveau', 'campus', 'temoin', 'recent', 'canal', 'universite']
  form.addEventListener('input', function (e) {
    if (segmentFields.indexOf(e.target.name) >= 0) schedule()
  })
  form.addEventListener('change', function (e) {
    if (e.target.name === 'canal') showChannel()
    if (segmentFields.indexOf(e.target.name) >= 0) schedule()
  })
  showChannel()
})()
