"""What intake and review agree on, written once: names, kinds, versions and limits.

intake/ and review/ never import each other; they meet through files (pickup
bundles one way, reply bundles the other). Every name and limit both sides
must read the same way lives here, in modules that import nothing but the
standard library, so both apps may import them as they import keys/.
"""
