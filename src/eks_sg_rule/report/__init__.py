"""What `eks-sg-rule scan` and `fix` print: one scan result, rendered as a table, JSON, Markdown or HTML.

`scan.py` assembles the result (pure, from what discovery read and the engine judged); each other
module renders it one way. Only `html.py` needs matplotlib, and imports it when called.
"""
