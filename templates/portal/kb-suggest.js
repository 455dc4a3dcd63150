// Knowledge base suggestions while a new case's subject is typed (portal new-case page and web forms).
// Progressive enhancement: without this script the form works the same. Served from our own origin, so the
// pages' CSP (script-src 'self', no inline script) allows it. The subject input carries
// data-kb-suggest (the suggest URL), data-kb-visit (the visit id) and data-kb-list (the id of the list box).
(function () {
  "use strict";
  var input = document.querySelector("input[data-kb-suggest]");
  if (!input) return;
  var box = document.getElementById(input.getAttribute("data-kb-list"));
  if (!box) return;
  var list = box.querySelector("ul");
  var url = input.getAttribute("data-kb-suggest");
  var visit = input.getAttribute("data-kb-visit") || "";
  var timer = null;
  var last = "";
  var seq = 0;
  function show(articles) {
    while (list.firstChild) list.removeChild(list.firstChild);
    articles.slice(0, 5).forEach(function (a) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = a.url;
      link.textContent = a.title;
      link.target = "_blank";
      link.rel = "noopener";
      li.appendChild(link);
      list.appendChild(li);
    });
    box.hidden = articles.length === 0;
  }
  function ask() {
    var q = input.value.trim();
    if (q === last) return;
    last = q;
    if (q.length < 3) return show([]);
    var mine = ++seq;
    fetch(url + "?q=" + encodeURIComponent(q) + "&v=" + encodeURIComponent(visit), { credentials: "same-origin", headers: { accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { articles: [] }; })
      .then(function (data) { if (mine === seq) show(data.articles || []); })
      .catch(function () { /* suggestions are optional */ });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
})();
