# Interface text of the notice theme. Every locale defines the same ids.

skip-link = Skip to main content
site-name = { $brand } customer notice
site-tagline = Now on our new store
document-title = { $title } – { $brand } customer notice
nav-label = About this change
language-switcher-label = Language
cta-lead = { $brand } products, support and orders have moved to our new store.
cta-store = Go to the new store
footer-closed = The { $brand } website closed on { DATETIME($date) }.
footer-handover = Warranty, service and orders are handled by the new store.
languages-title = Choose your language
languages-description = The { $brand } customer notice, in your language.
languages-intro = { $count ->
    [one] This notice is available in one language.
   *[other] This notice is available in { $count } languages.
}
not-found-title = Page not found
not-found-description = This page of the { $brand } website no longer exists.
not-found-text = This page of the { $brand } website no longer exists.
not-found-store = Everything you need is on the new store.
not-found-home = Read the notice
not-found-pages = { $count ->
    [one] The notice
   *[other] The notice's { $count } pages
}
page-updated = Last updated on { DATETIME($date) }.
