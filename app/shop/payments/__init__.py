"""Payment building blocks the checkout calls: Stripe Checkout gateway and bank-transfer notifications."""
