// The landing page: its words in the chosen language and the language button.
// Kept out of index.html: the Content-Security-Policy allows no inline script.
import { languageButton, loadCatalogs } from "/static/js/i18n.js";

await loadCatalogs(["home"]);
languageButton(document.getElementById("lang"));
