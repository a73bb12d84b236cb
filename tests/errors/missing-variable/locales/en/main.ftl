# Language names come from CLDR, not from here.
nav-label = Pages
price = Price: { $amount } { $currency }
tricky = <b>bold</b> & "quoted"
not-found = This page does not exist.
closed-on = Closed on { DATETIME($date) }.
