"""xAPI: e-learning progress in (statements from the e-learning system), Virtual Classroom
statements out (to an external Learning Record Store, through an outbox)."""
