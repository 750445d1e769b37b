/* rxshop: small behaviours that oscar's templates wrote as inline onclick=""
   attributes, which the Content-Security-Policy does not allow to run. */
(function () {
    "use strict";
    document.addEventListener("click", function (event) {
        var target = event.target.closest ? event.target.closest("[data-rx-action]") : null;
        if (!target) {
            return;
        }
        var action = target.getAttribute("data-rx-action");
        if (action === "back") {
            event.preventDefault();
            window.history.back();
        } else if (action === "print") {
            event.preventDefault();
            window.print();
        } else if (action === "close") {
            event.preventDefault();
            window.close();
        }
    });
})();
