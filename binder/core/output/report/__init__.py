"""The incident report: what legal and management receive.

- :mod:`.facts` gathers what a report states from the binder into frozen
  dataclasses, without reportlab, so screens, the bundle, tests and other
  documents can use the same facts.
- :mod:`.sections` turns facts into reportlab flowables, one function per section.
- :mod:`.drawings` draws the pictures: the phase timeline and the sign-off boxes.
- :mod:`.build` assembles the document, attaches the bundle and hands it to signing.

Nothing is imported here, so reading the facts never loads reportlab.
"""
