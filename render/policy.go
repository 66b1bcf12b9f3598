package render

// ContentSecurityPolicy is the policy every page render writes carries in
// its <meta> tag, so that a server can send the same one as a header.
const ContentSecurityPolicy = csp
