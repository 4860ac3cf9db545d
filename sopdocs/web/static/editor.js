// SOP editor: redraw the flowchart and show problems while typing (the form works without it).
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  if (!form) { return; }
  var chart = document.getElementById("bagan");
  var status = document.getElementById("status-sah");
  var chartStatus = document.getElementById("bagan-status");
  var token = document.querySelector('meta[name="csrf-token"]');
  var timer = null;
  var sent = 0;

  function actorsFromList() {
    var box = document.getElementById("pelaksana");
    return box.value.split("\n").map(function (s) { return s.trim(); }).filter(function (s) { return s; });
  }

  var knownActors = actorsFromList();

  // The actor choices of every step follow the list of actors; an actor renamed in place
  // (same line, the others unchanged) stays chosen under its new name.
  function refreshActorChoices() {
    var actors = actorsFromList();
    var renamed = {};
    if (actors.length === knownActors.length) {
      var changed = [];
      actors.forEach(function (name, i) { if (name !== knownActors[i]) { changed.push(i); } });
      if (changed.length === 1) { renamed[knownActors[changed[0]]] = actors[changed[0]]; }
    }
    knownActors = actors;
    form.querySelectorAll("select.pilih-pelaksana").forEach(function (select) {
      var chosen = Object.prototype.hasOwnProperty.call(renamed, select.value) ? renamed[select.value] : select.value;
      while (select.firstChild) { select.removeChild(select.firstChild); }
      if (actors.indexOf(chosen) < 0) {
        var missing = document.createElement("option");
        missing.value = chosen;
        missing.textContent = chosen ? chosen + " (tidak ada di daftar)" : "(pilih)";
        select.appendChild(missing);
      }
      actors.forEach(function (name) {
        var option = document.createElement("option");
        option.value = name;
        option.textContent = name;
        select.appendChild(option);
      });
      select.value = chosen;
    });
  }

  function showProblems(problems) {
    form.parentNode.parentNode.querySelectorAll("p.masalah").forEach(function (p) { p.remove(); });
    Object.keys(problems).forEach(function (id) {
      var field = document.getElementById(id);
      problems[id].forEach(function (message) {
        var p = document.createElement("p");
        p.className = "masalah";
        p.setAttribute("data-untuk", id);
        p.textContent = message;
        if (field) {
          var anchor = field.closest("label") && field.type === "checkbox" ? field.closest("label") : field;
          anchor.insertAdjacentElement("afterend", p);
        } else {
          status.insertAdjacentElement("afterend", p);
        }
      });
    });
  }

  function showChart(svgText) {
    if (!svgText) {
      // keep the last chart that was drawn, and say so
      chartStatus.textContent = chart.firstChild ? "(bagan terakhir yang sah; perbaiki isian bertanda merah)"
                                                 : "(muncul bila definisi sah)";
      chart.classList.add("usang");
      return;
    }
    while (chart.firstChild) { chart.removeChild(chart.firstChild); }
    chart.classList.remove("usang");
    var parsed = new DOMParser().parseFromString(svgText, "image/svg+xml");
    var svg = parsed.documentElement;
    if (svg && svg.nodeName.toLowerCase() === "svg") {
      chart.appendChild(document.importNode(svg, true));
      chartStatus.textContent = "";
    }
  }

  function redraw() {
    var number = ++sent;
    fetch(form.getAttribute("data-bagan"), {
      method: "POST",
      body: new FormData(form),
      headers: { "X-CSRF-Token": token ? token.getAttribute("content") : "" },
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (result) {
      if (number !== sent) { return; }  // an older answer arriving late
      showProblems(result.masalah || {});
      showChart(result.svg || "");
      status.textContent = result.sah ? "Definisi sah." : "Definisi belum sah: lihat isian bertanda merah.";
      status.className = "notice " + (result.sah ? "notice-ok" : "notice-warn");
      form.setAttribute("data-gambar", String(number));
    }).catch(function () {
      chartStatus.textContent = "(bagan tidak dapat digambar ulang; tekan Periksa)";
    });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(redraw, 350);
  }

  form.addEventListener("input", function (event) {
    var notice = document.getElementById("pesan");
    if (notice) { notice.remove(); }  // "Langkah 9 ditambahkan..." no longer describes the form
    if (event.target && event.target.id === "pelaksana") { refreshActorChoices(); }
    later();
  });
  form.addEventListener("change", later);
})();
