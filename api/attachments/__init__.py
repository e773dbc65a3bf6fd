"""Case attachments: letter scans, photos and agreements uploaded to a case, checked by their
content, kept encrypted in the attachment store, every download on the access log."""
