"""An incident and everything recorded in it: journal, workflow, clocks, drills, evidence."""
