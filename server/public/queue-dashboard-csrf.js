// The queue dashboard (/admin/queues) is a third-party page whose requests carry no CSRF token.
// This script, loaded by server/plugins/app/queue-dashboard.ts before the dashboard's own
// scripts, adds the page's token as an `x-csrf-token` header to its same-origin requests that
// change something.
;(() => {
  const meta = document.querySelector('meta[name="csrf-token"]')
  const token = meta && meta.getAttribute('content')
  if (!token) {
    return
  }
  const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
  const sameOrigin = (url) => {
    try {
      return new URL(url, document.baseURI).origin === window.location.origin
    } catch {
      return false
    }
  }

  const open = XMLHttpRequest.prototype.open
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    open.call(this, method, url, ...rest)
    if (UNSAFE.has(String(method).toUpperCase()) && sameOrigin(url)) {
      this.setRequestHeader('x-csrf-token', token)
    }
  }

  const originalFetch = window.fetch
  window.fetch = (input, init) => {
    const request = new Request(input, init)
    if (UNSAFE.has(request.method) && sameOrigin(request.url)) {
      request.headers.set('x-csrf-token', token)
    }
    return originalFetch(request)
  }
})()
