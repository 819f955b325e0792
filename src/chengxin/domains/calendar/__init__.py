"""The working-day calendar (工作日历): official holidays and make-up working days for legal deadlines."""
