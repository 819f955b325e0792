"""The unmatched queue (待匹配): records whose subject could not be matched, reconciled by the credit centre."""
