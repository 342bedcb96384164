from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "patternwork.messaging"
    label = "messaging"
    verbose_name = "Messages that go out by themselves"

    def ready(self) -> None:
        from patternwork.core.outbox import on_queue
        from patternwork.formulation.journal_events import on_entry_shared
        from patternwork.messaging import notes, reminders, services
        from patternwork.treatment.appointment_changes import on_appointments_changed

        # Booking, moving and cancelling re-time or withdraw the reminders in the same
        # transaction as the treatment write, without treatment importing this app.
        on_appointments_changed(reminders.sync_course_reminders)
        # A client sharing a journal entry queues a note to the therapist, with the share.
        on_entry_shared(notes.queue_journal_shared)
        # Apps below messaging (invitations) ask for messages through core.outbox.
        on_queue(services.queue_message)
