"""Shared technical pieces with no domain meaning (house style rule 5). Not a Django app:
it holds only abstract models, which need no app of their own."""
