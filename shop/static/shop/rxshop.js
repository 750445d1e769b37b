/* rxshop: small behaviours that oscar's templates wrote as inline onclick=""
   attributes, which the Content-Security-Policy does not allow to run. */
(function () {
    "use strict";
    /* The review screen's document viewer: zoom and rotate a photo of a prescription. */
    function viewDocument(image, action) {
        if (!image) {
            return;
        }
        var scale = parseFloat(image.getAttribute("data-rx-scale") || "1");
        var turn = parseInt(image.getAttribute("data-rx-turn") || "0", 10);
        if (action === "zoom-in") {
            scale = Math.min(scale * 1.25, 4);
        } else if (action === "zoom-out") {
            scale = Math.max(scale / 1.25, 0.5);
        } else if (action === "rotate") {
            turn = (turn + 90) % 360;
        } else {
            scale = 1;
            turn = 0;
        }
        image.setAttribute("data-rx-scale", String(scale));
        image.setAttribute("data-rx-turn", String(turn));
        image.style.transform = "rotate(" + turn + "deg) scale(" + scale + ")";
        var status = document.getElementById(image.id + "-view");
        if (status) {
            status.textContent = "Zoom " + Math.round(scale * 100) + "%, rotated " + turn + "°";
        }
    }
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
        } else if (action === "zoom-in" || action === "zoom-out" || action === "rotate" || action === "reset") {
            event.preventDefault();
            viewDocument(document.getElementById(target.getAttribute("data-rx-target")), action);
        }
    });
})();
