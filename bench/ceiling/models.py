from django.db import models


class Row(models.Model):
    group = models.IntegerField(db_index=True)
    name = models.CharField(max_length=100)
    number = models.CharField(max_length=20)
    state = models.CharField(max_length=20)
    when = models.DateTimeField()
    count = models.IntegerField()
    note = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name
