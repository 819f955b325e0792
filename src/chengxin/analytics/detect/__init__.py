"""Monitoring and detection (大数据监测): fraud detectors over a marketplace dataset (MARKETPLACE.md).

``dataset`` loads the tables (with a per-row report of what the contract refuses), each detector
module (``brushing``, ``malicious_review``, ``empty_parcel``, ``fake_traffic``, ``price_fraud``)
turns them into findings (``findings``), ``run`` runs them in order and ``evaluate`` scores findings
against labels.
"""
