"""``layerwise playground``: watch a network learn, live, in the browser.

A local HTTP server (standard library only) drives the training core
(:class:`layerwise.training.Trainer`) in a background thread and pushes frames
-- decision boundary, one map per neuron, weights, curves, gradient norms -- to
a page shipped in ``static/`` (plain HTML, CSS and JavaScript on canvas).

Modules: :mod:`.datasets` (the planar data sets and the CSV upload),
:mod:`.settings` (the page's configuration, validated), :mod:`.runs` (a run's
data, network and TrainConfig from the settings), :mod:`.session` (the current
run, its trainer and the thread that plays it), :mod:`.frames` (what the
page draws, computed with NumPy), :mod:`.codegen` (the Python snippet),
:mod:`.server` (HTTP, Server-Sent Events, security checks) and
:mod:`.command` (the CLI subcommand).
"""
