"""Reading export files and turning each platform's layout into the canonical booking frame."""
