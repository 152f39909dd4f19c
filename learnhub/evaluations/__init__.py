"""The satisfaction survey after a cohort or a mentoring session: its questions, form, storage and summary.
Courses and mentoring each keep their own table of answers (`Evaluation`, `MentoringEvaluation`)."""
