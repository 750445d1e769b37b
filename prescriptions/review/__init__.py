"""The pharmacist's workspace: the queue, claims, transcription, decisions (verify, reject, ask
the customer) and the inspector's history of who decided what, when and why."""
