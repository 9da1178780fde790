"""The canonical contract between reading and loading: vocabularies, the booking frame, the status map."""
