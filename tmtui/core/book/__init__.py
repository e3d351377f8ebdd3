"""core/book"""
