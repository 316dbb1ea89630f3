// The course editor: materials can be dragged into order. The new order is
// sent as one form, like the "Move up" / "Move down" buttons that work
// without JavaScript and by keyboard, and saved in one reorder.
(function () {
  "use strict";
  var list = document.querySelector("ol.materials[data-reorder]");
  if (!list) { return; }
  var dragged = null;
  Array.prototype.forEach.call(list.children, function (item) {
    item.setAttribute("draggable", "true");
    item.addEventListener("dragstart", function (event) {
      dragged = item;
      item.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.getAttribute("data-id"));
    });
    item.addEventListener("dragend", function () {
      item.classList.remove("dragging");
    });
    item.addEventListener("dragover", function (event) {
      if (!dragged || dragged === item) { return; }
      event.preventDefault();
      var box = item.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? item.nextSibling : item);
    });
    item.addEventListener("drop", function (event) {
      event.preventDefault();
      save();
    });
  });

  function save() {
    var ids = Array.prototype.map.call(list.children, function (item) {
      return item.getAttribute("data-id");
    });
    var form = document.createElement("form");
    form.method = "post";
    form.action = list.getAttribute("data-reorder");
    [["csrf", list.getAttribute("data-csrf")], ["order", ids.join(",")]].forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }
})();
