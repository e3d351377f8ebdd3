"""core/risk"""
