// Careers Ledger pages: validate as you go, submit once, focus what needs attention.
// Plain JavaScript, no libraries, no network calls: the pages work without it too.
(function () {
  "use strict";

  function errorFor(input) {
    var id = input.id || (input.closest("fieldset") || {}).id;
    return id ? document.getElementById(id + "-error") : null;
  }

  function messageFor(input) {
    var v = input.validity;
    var data = input.dataset;
    if (v.valueMissing) return data.messageMissing || "Enter " + labelText(input).toLowerCase();
    if (v.patternMismatch) return data.messagePattern || "Check the format of " + labelText(input).toLowerCase();
    if (v.rangeUnderflow) return "Must be " + input.min + " or more";
    if (v.rangeOverflow) return input.type === "date" ? "Must not be in the future" : "Must be " + input.max + " or less";
    if (v.stepMismatch) return input.step === "0.5" ? "Use whole or half numbers" : "Use a whole number";
    if (v.tooLong) return "Must be " + input.maxLength + " characters or fewer";
    if (v.badInput) return input.type === "date" ? "Enter a real date" : "Enter a number";
    if (v.customError) return input.validationMessage;
    return input.validationMessage;
  }

  function labelText(input) {
    var label = input.labels && input.labels[0];
    return label ? label.textContent.replace("(optional)", "").trim() : "this field";
  }

  function customChecks(input) {
    if (typeof input.setCustomValidity !== "function") return;
    var message = "";
    var before = input.dataset.notBefore && document.getElementById(input.dataset.notBefore);
    if (before && input.value && before.value && input.value < before.value) {
      message = "Must not be before " + labelText(before).toLowerCase();
    }
    if (!message && input.dataset.exclusiveMin && input.value !== "" && Number(input.value) <= Number(input.dataset.exclusiveMin)) {
      message = "Must be more than " + input.dataset.exclusiveMin;
    }
    if (!message && input.dataset.maxLines && input.value) {
      var lines = input.value.split(/\r?\n/).filter(function (l) { return l.trim(); });
      var longest = Math.max.apply(null, lines.map(function (l) { return l.trim().length; }));
      if (lines.length > Number(input.dataset.maxLines)) message = "At most " + input.dataset.maxLines + " lines";
      else if (input.dataset.maxLineLength && longest > Number(input.dataset.maxLineLength)) message = "Each line must be " + input.dataset.maxLineLength + " characters or fewer";
    }
    input.setCustomValidity(message);
  }

  function show(input) {
    if (!input.willValidate) return true;
    customChecks(input);
    var ok = input.checkValidity();
    var error = errorFor(input);
    var field = input.closest(".field");
    if (ok) {
      input.removeAttribute("aria-invalid");
      if (error) { error.hidden = true; error.textContent = ""; }
      if (field) field.classList.remove("field-error");
    } else {
      input.setAttribute("aria-invalid", "true");
      if (error) {
        error.hidden = false;
        error.innerHTML = '<span class="visually-hidden">Error:</span> ';
        error.appendChild(document.createTextNode(messageFor(input)));
      }
      if (field) field.classList.add("field-error");
    }
    return ok;
  }

  function wire(form) {
    var touched = new WeakSet();
    form.addEventListener("blur", function (event) {
      var input = event.target;
      if (input.matches && input.matches("input, select, textarea") && (input.value || touched.has(input))) {
        touched.add(input);
        show(input);
      }
    }, true);
    form.addEventListener("input", function (event) {
      var input = event.target;
      if (touched.has(input) || input.getAttribute("aria-invalid") === "true") show(input);
      var dependants = form.querySelectorAll('[data-not-before="' + input.id + '"]');
      dependants.forEach(function (d) { if (d.value) show(d); });
    });
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitting === "true") { event.preventDefault(); return; }
      var first = null;
      form.querySelectorAll("input, select, textarea").forEach(function (input) {
        if (!show(input) && !first) first = input;
      });
      if (first) { event.preventDefault(); first.focus(); return; }
      if (form.hasAttribute("data-once")) {
        // One submission per form: a double click sends one request. Should one be
        // resent anyway (a retry, the back button), its idempotency key records it once.
        form.dataset.submitting = "true";
        var button = form.querySelector("button[type=submit]");
        if (button) {
          button.setAttribute("aria-disabled", "true");
          if (button.dataset.busyText) {
            button.dataset.label = button.textContent;
            button.textContent = button.dataset.busyText;
          }
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-validate]").forEach(wire);
    var focus = document.querySelector("[data-focus-on-load]");
    if (focus) focus.focus();
  });
  // Coming back through the browser's history shows the form as it was: let it be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      delete form.dataset.submitting;
      var button = form.querySelector("button[type=submit]");
      if (!button) return;
      button.removeAttribute("aria-disabled");
      if (button.dataset.label) button.textContent = button.dataset.label;
    });
  });
})();
// Printing (the evidence pack): show every table folded away under "Show the numbers".
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details:not([open])").forEach(function (d) {
    d.setAttribute("open", "");
    d.dataset.openedForPrint = "true";
  });
});
window.addEventListener("afterprint", function () {
  document.querySelectorAll("details[data-opened-for-print]").forEach(function (d) {
    d.removeAttribute("open");
    delete d.dataset.openedForPrint;
  });
});
