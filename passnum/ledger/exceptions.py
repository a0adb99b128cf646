from passnum.core.exceptions import DomainError


class UnbalancedTransaction(DomainError):
    """A bug, not a user error: raised before anything unbalanced is written."""

    code = "unbalanced_transaction"
    http_status = 500
