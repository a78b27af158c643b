// Starts the GOV.UK Frontend components (skip link, error summary, service navigation, ...).
// Loaded at the end of <body>:
//   <script type="module" src="/assets/govuk/init.js"></script>
// Every page must work without it; it only adds the components' progressive enhancements.
import { initAll } from './govuk-frontend.min.js'

initAll()
