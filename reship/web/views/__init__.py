"""Pages, one module per area: home, requests (both sides), partner queue and fulfilment, inbox and
account. Views are thin: parse input, call one selector or workflow function, render."""
