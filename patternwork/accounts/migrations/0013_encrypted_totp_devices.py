"""Authenticator apps move from django-otp's TOTP table to accounts.TOTPDevice, whose
secret is encrypted with the product key. Reversing moves them back in plain hex."""

import django.db.models.deletion
import django_otp.plugins.otp_totp.models
import patternwork.accounts.models
import patternwork.core.crypto
from django.conf import settings
from django.db import migrations, models

# The fields both tables share, copied as they are (the key is handled by its field).
COPIED = (
    "user_id",
    "name",
    "confirmed",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "created_at",
    "last_used_at",
    "key",
    "step",
    "t0",
    "digits",
    "tolerance",
    "drift",
    "last_t",
)


def _move(source, target):
    """Copy each row (its id too, so nothing that names a device by id breaks), then
    delete the source rows. The encrypted field encrypts on save and decrypts on load."""
    for device in source.objects.order_by("pk").iterator():
        copy = target(pk=device.pk, **{field: getattr(device, field) for field in COPIED})
        copy.save(force_insert=True)
        # created_at is auto_now_add: put the original time back.
        target.objects.filter(pk=copy.pk).update(created_at=device.created_at)
    source.objects.all().delete()


def encrypt_secrets(apps, schema_editor):
    _move(apps.get_model("otp_totp", "TOTPDevice"), apps.get_model("accounts", "TOTPDevice"))


def decrypt_secrets(apps, schema_editor):
    _move(apps.get_model("accounts", "TOTPDevice"), apps.get_model("otp_totp", "TOTPDevice"))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0012_passkeys'),
        ('otp_totp', '0003_add_timestamps'),
    ]

    operations = [
        migrations.CreateModel(
            name='TOTPDevice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The human-readable name of this device.', max_length=64)),
                ('confirmed', models.BooleanField(default=True, help_text='Is this device ready for use?')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('created_at', models.DateTimeField(auto_now_add=True, help_text='The date and time when this device was initially created in the system.', null=True)),
                ('last_used_at', models.DateTimeField(blank=True, help_text='The most recent date and time this device was used.', null=True)),
                ('key', patternwork.core.crypto.EncryptedTextField(default=django_otp.plugins.otp_totp.models.default_key, validators=[patternwork.accounts.models.validate_totp_key])),
                ('step', models.PositiveSmallIntegerField(default=30)),
                ('t0', models.BigIntegerField(default=0)),
                ('digits', models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)),
                ('tolerance', models.PositiveSmallIntegerField(default=1)),
                ('drift', models.SmallIntegerField(default=0)),
                ('last_t', models.BigIntegerField(default=-1)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='authenticator_apps', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'TOTP device',
                'abstract': False,
            },
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
    ]
