# gunicorn reads this file from the working directory (make run serves from here).
# Access logs must never carry the secret tokens some URLs hold.
logger_class = "patternwork.core.redaction.RedactingGunicornLogger"
