// Citation previews: the full reference, taken from the page's own References list, shown
// on hover, on keyboard focus and on a first tap (a second tap follows the link). One
// listener per event on the document, so it keeps working after instant navigation.
(function () {
  "use strict";
  var box = null, current = null, lastPointer = "mouse", hideTimer = 0, openBeforeTap = false;

  function preview() {
    if (!box) {
      box = document.createElement("div");
      box.className = "citation-preview";
      box.id = "citation-preview";
      box.setAttribute("role", "tooltip");
      box.hidden = true;
      box.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
      box.addEventListener("mouseleave", function () { hideSoon(); });
    }
    if (!box.isConnected) document.body.appendChild(box);
    return box;
  }

  function citationOf(node) {
    return node && node.closest ? node.closest("a.citation") : null;
  }

  function show(link) {
    var parts = [];
    (link.getAttribute("data-cite") || "").split(" ").forEach(function (key) {
      var item = document.getElementById("ref-" + key);
      if (item) parts.push("<p>" + item.innerHTML + "</p>");
    });
    if (!parts.length) return;
    clearTimeout(hideTimer);
    var tip = preview();
    tip.innerHTML = parts.join("");
    tip.hidden = false;
    if (current && current !== link) current.removeAttribute("aria-describedby");
    current = link;
    link.setAttribute("aria-describedby", tip.id);
    var rect = link.getBoundingClientRect();
    var width = Math.min(400, document.documentElement.clientWidth - 16);
    tip.style.width = width + "px";
    var left = Math.max(8, Math.min(rect.left, document.documentElement.clientWidth - width - 8));
    var top = rect.bottom + 6;
    if (top + tip.offsetHeight > window.innerHeight && rect.top - tip.offsetHeight - 6 > 0) {
      top = rect.top - tip.offsetHeight - 6;
    }
    tip.style.left = left + window.scrollX + "px";
    tip.style.top = top + window.scrollY + "px";
  }

  function hide() {
    clearTimeout(hideTimer);
    if (box) box.hidden = true;
    if (current) current.removeAttribute("aria-describedby");
    current = null;
  }

  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 200);
  }

  document.addEventListener("pointerdown", function (event) {
    lastPointer = event.pointerType || "mouse";
    // Whether this tap lands on a citation whose preview is already open (the tap's own
    // focus event opens it too, before the click arrives).
    openBeforeTap = !!(box && !box.hidden && current && current === citationOf(event.target));
    if (box && !box.hidden && !box.contains(event.target) && !citationOf(event.target)) hide();
  }, true);
  document.addEventListener("mouseover", function (event) {
    var link = citationOf(event.target);
    if (link && lastPointer === "mouse") show(link);
  });
  document.addEventListener("mouseout", function (event) {
    var link = citationOf(event.target);
    if (link && !link.contains(event.relatedTarget)) hideSoon();
  });
  document.addEventListener("focusin", function (event) {
    var link = citationOf(event.target);
    if (link) show(link);
  });
  document.addEventListener("focusout", function (event) {
    if (citationOf(event.target)) hideSoon();
  });
  document.addEventListener("click", function (event) {
    var link = citationOf(event.target);
    if (!link || lastPointer === "mouse") return;
    if (!openBeforeTap) {
      event.preventDefault();  // first tap: preview; the second follows the link
      event.stopPropagation();  // nor may instant navigation follow it
      show(link);
    }
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") hide();
  });
  // Material's instant navigation swaps the page without reloading it.
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(hide);
})();
