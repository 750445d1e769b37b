"""Spanish as written in the United States: dates in words ("1 de diciembre de 2026"), the
12-hour clock, and numbers and dates in figures the US way (1,234.50; 12/01/2026), as on the
customer's other US papers (a prescription label, a driver's licence). A date of birth typed
as 02/03/1990 means February 3 in both languages."""

DATE_FORMAT = r"j \d\e F \d\e Y"
TIME_FORMAT = "g:i a"
DATETIME_FORMAT = r"j \d\e F \d\e Y, g:i a"
YEAR_MONTH_FORMAT = r"F \d\e Y"
MONTH_DAY_FORMAT = r"j \d\e F"
SHORT_DATE_FORMAT = "m/d/Y"
SHORT_DATETIME_FORMAT = "m/d/Y g:i a"
FIRST_DAY_OF_WEEK = 0  # Sunday, as US calendars
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2006-10-25' (the browser's date picker)
    "%m/%d/%Y",  # '10/25/2006'
    "%m/%d/%y",  # '10/25/06'
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
