// The GOV.UK page template sets these classes with an inline script; our Content-Security-Policy
// forbids inline scripts, so the layout loads this file as the first thing in <body>:
//   <script src="/assets/govuk/supported.js"></script>
// It must stay a classic (not module, not defer/async) script so the classes are set before
// the first paint. `govuk-frontend-supported` tells the CSS that the components' JavaScript
// will run (only browsers that support ES modules).
document.body.className +=
  ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
