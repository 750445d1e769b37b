/* rxshop fill scan with the device camera: decodes the pack's GS1 DataMatrix with ZXing for JS
   (vendor/zxing-browser-0.2.1, served by rxshop) and submits it exactly as a handheld scanner
   would, the group separator written as the configured substitute. */
(function () {
    "use strict";
    document.addEventListener("click", function (event) {
        var button = event.target.closest ? event.target.closest("[data-camera-scan]") : null;
        if (!button) {
            return;
        }
        event.preventDefault();
        var form = button.closest("form");
        var input = form.querySelector("[data-gs-substitute]");
        var video = form.querySelector("video");
        var status = form.querySelector(".camera-status");
        if (!window.ZXingBrowser || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
            status.textContent = "No camera is available here: use the handheld scanner.";
            return;
        }
        video.hidden = false;
        status.textContent = "Point the camera at the pack's 2D barcode.";
        var reader = new window.ZXingBrowser.BrowserDatamatrixCodeReader();
        reader.decodeOnceFromVideoDevice(undefined, video).then(function (result) {
            var substitute = input.getAttribute("data-gs-substitute") || "\u001d";
            input.value = result.getText().split("\u001d").join(substitute);
            video.hidden = true;
            status.textContent = "Read: " + input.value;
            if (form.requestSubmit) {
                form.requestSubmit();
            } else {
                form.submit();
            }
        }).catch(function (error) {
            video.hidden = true;
            status.textContent = "The camera could not read a code (" + error + "). Use the handheld scanner.";
        });
    });
})();
