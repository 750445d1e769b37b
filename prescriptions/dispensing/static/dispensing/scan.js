/* rxshop fill scan: a handheld scanner in keyboard mode types the pack's GS1 DataMatrix into
   the focused field and presses Enter. Between the lot and the serial it sends the group
   separator, ASCII 29, which a browser field does not take as typed text: scanners send it
   as Ctrl+] (or as the character itself). This turns either into the substitute the server
   reads as the separator (data-gs-substitute, RXSHOP_SCAN_GS_SUBSTITUTE). */
(function () {
    "use strict";
    document.addEventListener("keydown", function (event) {
        var input = event.target;
        if (!input || !input.hasAttribute || !input.hasAttribute("data-gs-substitute")) {
            return;
        }
        var groupSeparator = event.key === "\u001d" || (event.ctrlKey && (event.key === "]" || event.code === "BracketRight"));
        if (!groupSeparator) {
            return;
        }
        event.preventDefault();
        var substitute = input.getAttribute("data-gs-substitute");
        var start = input.selectionStart, end = input.selectionEnd;
        input.value = input.value.slice(0, start) + substitute + input.value.slice(end);
        input.selectionStart = input.selectionEnd = start + substitute.length;
    });
})();
