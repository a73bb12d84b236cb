# Interface text of the notice theme, British English. Same message ids as the
# reference locale (en). Page bodies live in content/, not here.

## Page frame: skip link, header, navigation, footer

skip-link = Skip to main content
# $brand (String) - the brand name from site.yaml
site-name = { $brand } customer notice
site-tagline = Now part of the Xiaomi store
# The <title> of every page. $title - the page title; $brand - the brand name
document-title = { $title } – { $brand } customer notice
nav-label = About this change
language-switcher-label = Language and region

## The primary call to action, shown on every page

cta-lead = { $brand } products, support and orders have moved to the Xiaomi store.
cta-store = Go to the Xiaomi store

## Footer
# $date (YYYY-MM-DD) - the last day of the old website

footer-closed = The { $brand } website and the { $brand } Store app were discontinued after { DATETIME($date) }.
footer-handover = Warranty, after-sales service and orders are handled by Xiaomi.

## A page's last change, shown when its front matter has `updated:`
# $date (YYYY-MM-DD) - the day the page last changed

page-updated = Last updated on { DATETIME($date) }.
